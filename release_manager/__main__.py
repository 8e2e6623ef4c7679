from release_manager.cli import main

raise SystemExit(main())
