// UnitFile module.
