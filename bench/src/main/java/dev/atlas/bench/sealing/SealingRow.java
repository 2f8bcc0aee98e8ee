package dev.atlas.bench.sealing;

/** One case's figures: plaintext GB/s on one core (± JMH's 99.9% error) and bytes allocated per record. */
record SealingRow(SealingCase sealingCase, double gigabytesPerSecond, double error, double bytesPerRecord) {}
