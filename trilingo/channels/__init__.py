"""Publishing channels. Each one writes approved releases only, atomically, through the ledger."""
