"""`make lab` puts the course's venv first on PATH in JupyterLab's terminals, so the
`minigrad-course` command every chapter mentions works in File > New > Terminal."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# Open a terminal as the menu does, type a command, collect what the terminal prints.
TERMINAL_JS = """async (command) => {
  const widget = await window.jupyterapp.commands.execute('terminal:create-new');
  const session = widget.content.session;
  let printed = '';
  session.messageReceived.connect((_, msg) => {
    if (msg.type === 'stdout') printed += msg.content.join('');
  });
  while (session.connectionStatus !== 'connected') await new Promise(r => setTimeout(r, 100));
  session.send({type: 'stdin', content: [command + '\\r']});
  for (let i = 0; i < 300 && !/DONE-[0-9]/.test(printed); i++) {
    await new Promise(r => setTimeout(r, 100));
  }
  await new Promise(r => setTimeout(r, 300));
  await session.shutdown();
  return printed;
}"""


def test_minigrad_course_runs_in_a_lab_terminal(lab, page):
    base, token = lab
    page.goto(f"{base}/lab?token={token}&reset")
    page.wait_for_function(
        "() => !!window.jupyterapp && window.jupyterapp.commands.hasCommand('terminal:create-new')"
    )
    # `DONE-` plus the exit status: the echoed command line shows `DONE-$?`, not a digit.
    printed = page.evaluate(TERMINAL_JS, "minigrad-course --help; echo DONE-$?")
    assert "usage: minigrad-course" in printed, printed[-2000:]
    assert "DONE-0" in printed, printed[-2000:]
