"""Translation tables, one module per area; merged by lib.core.i18n."""
