/** A form found in an HTML page, ready to submit. */
export interface HtmlForm {
  action: string;
  method: 'GET' | 'POST';
  /** Field values to send, the chosen submit button's included. */
  fields: [string, string][];
  /** Names of the text and password inputs, to fill in. */
  textInputs: { name: string; type: string }[];
}

const attribute = (tag: string, name: string): string | undefined => {
  const match = new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  const value = match?.[2] ?? match?.[3] ?? match?.[4];
  return value === undefined ? undefined : decodeEntities(value);
};

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Buttons a user means to press to go on: approve, allow, sign in, continue. */
const GO_ON = /approve|allow|accept|authori[sz]e|consent|continue|confirm|sign[- ]?in|log[- ]?in|submit|yes/i;
/** Buttons a user avoids: deny, cancel, abort. */
const BACK_OUT = /deny|cancel|abort|reject|decline|\bno\b/i;

/**
 * The form a user would submit on a login or consent page: the first form with a "go on" button (approve, allow,
 * sign in, continue), or the first form. Pages of the servers the doctor meets are small and server-rendered
 * (fastmcp's consent page, oidc-provider's interactions), so a tolerant regular-expression reader is enough; it never
 * runs scripts.
 */
export function pickForm(html: string): HtmlForm | undefined {
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)];
  const parsed = forms.map(([, tag = '', body = '']) => readForm(tag, body));
  return parsed.find((form) => form.goesOn) ?? parsed[0];
}

function readForm(tag: string, body: string): HtmlForm & { goesOn: boolean } {
  const fields: [string, string][] = [];
  const textInputs: { name: string; type: string }[] = [];
  for (const [input] of body.matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(input, 'name');
    const type = (attribute(input, 'type') ?? 'text').toLowerCase();
    if (!name || type === 'submit' || type === 'button' || type === 'image') continue;
    if (type === 'checkbox' || type === 'radio') {
      if (/\bchecked\b/i.test(input)) fields.push([name, attribute(input, 'value') ?? 'on']);
      continue;
    }
    if (type === 'hidden') fields.push([name, attribute(input, 'value') ?? '']);
    else textInputs.push({ name, type });
  }
  const buttons = [
    ...body.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>|<input\b([^>]*type\s*=\s*["']?submit[^>]*)>/gi),
  ].map(([, buttonTag, label, inputTag]) => {
    const tagText = buttonTag ?? inputTag ?? '';
    const words = `${attribute(tagText, 'value') ?? ''} ${attribute(tagText, 'name') ?? ''} ${attribute(tagText, 'class') ?? ''} ${(label ?? '').replace(/<[^>]*>/g, '')}`;
    return { name: attribute(tagText, 'name'), value: attribute(tagText, 'value') ?? '', words };
  });
  const chosen =
    buttons.find((button) => GO_ON.test(button.words) && !BACK_OUT.test(button.words)) ??
    buttons.find((button) => !BACK_OUT.test(button.words));
  if (chosen?.name) fields.push([chosen.name, chosen.value]);
  return {
    action: attribute(tag, 'action') ?? '',
    method: (attribute(tag, 'method') ?? 'GET').toUpperCase() === 'POST' ? 'POST' : 'GET',
    fields,
    textInputs,
    goesOn: Boolean(chosen && GO_ON.test(chosen.words)),
  };
}
