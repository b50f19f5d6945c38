// Exposure module.
