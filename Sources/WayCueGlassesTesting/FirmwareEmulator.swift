// The firmware emulator.
