"""The `hubdesk` subcommands, one module per area; `hubdesk.cli` builds the parser."""
