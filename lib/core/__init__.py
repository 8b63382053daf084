"""Core layer: the database, the data contract, periods, settings, languages, access control, audit, masking and safe downloads. Imports nothing else from lib."""
