"""The ``skimgclf`` command line, one module per idea (the public face is :mod:`skimgclf.cli`).

- ``_main``: ``main(argv)``, which parses, runs a command under the signal guard and turns what
  it raised into an exit code;
- ``_parser``: the argparse parser, its help formatter and option types, and the options every
  data command shares; each command adds its own sub-parser;
- one module per command: ``demo``, ``train``, ``evaluate``, ``report``, ``search``,
  ``predict``, ``export`` (``datasets`` lives with the fetchers, :mod:`skimgclf.datasets._cli`),
  each with ``add_parser(subparsers, **style)`` and ``run(args) -> int``;
- ``_errors``: exit codes, :class:`UserError`, which exceptions are whose
  (:func:`classify_error`, by type), and how each is reported (out of memory included);
- ``_signals``: Ctrl-C and SIGTERM, and worker processes that end with the command;
- ``_params``: ``--param`` and grid-file names, routed to the steps of a Pipeline;
- ``_data``: the glue to the data layer (:func:`skimgclf._datasource.load_data`) and the checks
  of data against a model;
- ``_models``: presets with the user's parameters, and model files (saving, opening).

Loading this package, the parser and the command modules imports the standard library only, so
that ``skimgclf --help`` answers at once; a command imports what it needs when it runs.
"""
