"""Translation tables, one module per area; merged by lib.i18n."""
