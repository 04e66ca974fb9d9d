"""Pure media domain: exposures on the 曝光台 and the rules of their lifecycle. No I/O here."""
