// Jail module.
