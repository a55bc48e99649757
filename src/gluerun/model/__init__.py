"""Pure data and rules of gluerun: no I/O, no clock, no logging."""
