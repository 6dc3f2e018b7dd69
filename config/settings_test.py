"""Test settings: the real settings with test switches set before they are read."""

import os
import tempfile

os.environ["KIJI_TESTING"] = "1"
os.environ.setdefault("KIJI_HTTPS", "0")
os.environ.setdefault("KIJI_VAR_DIR", tempfile.mkdtemp(prefix="kiji-test-var-"))
# The assistant never calls out of the test run: tests that want a model start the fake one.
os.environ["KIJI_ASSISTANT_ENGINE"] = "extractive"

from config.settings import *  # noqa: E402, F403

# Browser tests get static files straight from the app folders, without collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
