// The built-in notice texts (content.notify.templates replaces any of them) and their rendering.
import { parseTemplate, type NoticeTemplate, type TemplateField } from '../config/sections/content-notify.ts';

export type Audience = 'recipient' | 'sender' | 'postmaster';

const FACTS = `  From:     {sender}
  To:       {recipients}
  Subject:  {subject}
  Date:     {date}

It matched the company's email policy (rule {rule}): {reason}.
What happened to it: {action}.
`;

const BUILT_IN: Record<Audience, string> = {
  recipient: `Subject: A message to you was {action}: {subject}

The mail gateway {hostname} inspected a message addressed to you:

${FACTS}
If you expected this message and need it, ask your mail administrator.
`,
  sender: `Subject: Your message was {action}: {subject}

The mail gateway {hostname} inspected a message you sent:

${FACTS}
If you believe this is a mistake, ask your mail administrator.
`,
  postmaster: `Subject: Content policy: rule {rule} matched a message from {sender}

The mail gateway {hostname} applied the company's email policy to a message:

${FACTS}`,
};

export function builtInTemplate(audience: Audience): NoticeTemplate {
  return parseTemplate(BUILT_IN[audience]) as NoticeTemplate;
}

/** Fills in {word}s; values go on one line each (a subject with a line break cannot add header fields). */
export function render(text: string, values: Record<TemplateField, string>): string {
  return text.replace(/\{([A-Za-z]+)\}/g, (whole, word: string) => (word in values ? values[word as TemplateField].replace(/[\r\n]+/g, ' ') : whole));
}
