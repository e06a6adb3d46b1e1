using System.Runtime.CompilerServices;

// Buffers on the hot path are always fully written before they are read.
[module: SkipLocalsInit]
