"""`hotline`: the command line. Parses options, calls the library, prints Chinese.

No business logic here: every command is a few lines over a library function, and the
library's own exceptions (HotlineError) become a clear message and an exit status. Commands
are listed in the order of the day's work.
"""

from __future__ import annotations

from pipeline.cli import admin, nightly, orders, verbs
from pipeline.cli.app import main

for command in (
    nightly.run, orders.list_orders, orders.show, orders.deadline, nightly.sample, nightly.demo,
    admin.calendar, verbs.assign, verbs.contact, verbs.handle, verbs.visit, verbs.extend,
    verbs.exclude, verbs.objective, verbs.decide, verbs.close, admin.templates, admin.assess,
    admin.archive_cmd, admin.doctor, admin.restore,
):
    main.add_command(command)

__all__ = ["main"]
