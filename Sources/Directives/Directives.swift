// Directives module.
