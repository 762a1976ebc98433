"""Machine-translation engines: the offline `memory` engine and hardened online engines."""
