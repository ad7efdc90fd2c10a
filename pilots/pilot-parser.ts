/**
 * The pilot-file language, parsed without touching anything: text in, steps or errors out.
 *
 *   ; a comment (whole line, or the rest of a line after a `;` outside an argument)
 *   action,arg,arg…
 *
 * Arguments are kept as written (trimmed), empty ones included: `pvpplib.dhop,,` is the action
 * `pvpplib.dhop` with two empty arguments, which the seed uses to mean "restore the user's defaults".
 * The seed's files were written on Windows, so CRLF line ends and a UTF-8 BOM are accepted.
 */

export interface PilotStep {
  /** 1-based line number in the pilot file. */
  line: number;
  action: string;
  args: string[];
  /** The line as written, for logs. */
  text: string;
}

export interface PilotParseError {
  line: number;
  message: string;
}

export interface ParsedPilot {
  steps: PilotStep[];
  errors: PilotParseError[];
}

const ACTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function parsePilot(text: string): ParsedPilot {
  const steps: PilotStep[] = [];
  const errors: PilotParseError[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const commentAt = raw.indexOf(';');
    const body = (commentAt >= 0 ? raw.slice(0, commentAt) : raw).trim();
    if (body === '') return;
    const parts = body.split(',').map((p) => p.trim());
    const action = parts[0] ?? '';
    if (action === '') {
      errors.push({ line, message: `line starts with a comma: the action name is missing ("${body}")` });
      return;
    }
    if (!ACTION_NAME.test(action)) {
      errors.push({ line, message: `"${action}" is not an action name (letters, digits, "." "_" "-" only)` });
      return;
    }
    steps.push({ line, action, args: parts.slice(1), text: body });
  });
  return { steps, errors };
}
