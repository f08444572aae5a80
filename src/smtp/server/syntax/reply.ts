/** An SMTP reply: the code, the RFC 3463 enhanced status code, and the text. */
export interface Reply {
  code: number;
  enhanced: string;
  text: string;
}

export const reply = (code: number, enhanced: string, text: string): Reply => ({ code, enhanced, text });
