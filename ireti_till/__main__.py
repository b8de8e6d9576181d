from ireti_till.cli import main

raise SystemExit(main())
