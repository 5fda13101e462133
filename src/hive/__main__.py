"""`python -m hive` and the `hive` command.

Loading the CLI takes a moment (seconds on a busy machine); a Ctrl-C or SIGTERM in that moment
ends the process quietly with code 0 instead of a KeyboardInterrupt traceback.
"""

from hive.stop_signals import StopRequested, exit_quietly_on_stop


def run() -> None:
    exit_quietly_on_stop()
    try:
        from hive.cli import main

        # Inside: main() still loads (the supervisor link) before it hands signals on.
        main()
    except StopRequested:
        raise SystemExit(0) from None


if __name__ == "__main__":
    run()
