"""`python -m hubdesk` is the `hubdesk` command."""

from hubdesk.cli import main

raise SystemExit(main())
