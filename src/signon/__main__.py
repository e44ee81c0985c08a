from signon.cli import main

raise SystemExit(main())
