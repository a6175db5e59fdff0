"""`python -m minigrad_course ...` is the same as the `minigrad-course` command."""

from minigrad_course.cli import main

raise SystemExit(main())
