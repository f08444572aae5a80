// The quarantine preview's HTML sanitiser: what a hostile message may try, and what is left.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeHtml } from '../../src/admin/safe-html.ts';

test('scripts, handlers, styles, frames and forms are gone; the text around them stays', () => {
  const out = safeHtml(
    '<p onclick="steal()">Hello <b>there</b></p><script>alert(1)</script><style>body{background:url(https://t.example/x)}</style>' +
      '<iframe src="https://evil.example"></iframe><form action="https://evil.example"><input name=p></form><svg onload=alert(2)><circle/></svg>after',
  );
  assert.equal(out, '<p>Hello <b>there</b></p>after');
});

test('remote images are dropped, data: images kept; links lose their target (kept as a tooltip)', () => {
  assert.equal(safeHtml('<img src="https://tracker.example/pixel.gif" alt="x">'), '<img alt="x">');
  assert.equal(safeHtml('<img src="data:image/png;base64,iVBORw0KGgo=">'), '<img src="data:image/png;base64,iVBORw0KGgo=">');
  assert.equal(safeHtml('<img src="data:image/svg+xml;base64,PHN2Zz4=">'), '<img>');
  assert.equal(safeHtml('<a href="javascript:alert(1)">click</a>'), '<a title="link to javascript:alert(1)">click</a>');
});

test('tricks with broken markup, entities, comments and case end up as text or nothing', () => {
  assert.equal(safeHtml('<ScRiPt>alert(1)</sCrIpT>ok'), 'ok');
  assert.equal(safeHtml('<<script>x</script>b'), '&#60;b');
  assert.equal(safeHtml('<!--<script>alert(1)</script>-->fine'), 'fine');
  assert.equal(safeHtml('&lt;script&gt;alert(1)&lt;/script&gt;'), '&#60;script&#62;alert(1)&#60;/script&#62;');
  assert.equal(safeHtml('<img src=x onerror=alert(1)//'), '&#60;img src=x onerror=alert(1)//');
  assert.equal(safeHtml('<td title="&quot; onmouseover=&quot;alert(1)">x</td>'), '<td title="&#34; onmouseover=&#34;alert(1)">x</td>');
  assert.equal(safeHtml('<div style="background:url(https://t.example)">x</div>'), '<div>x</div>');
  assert.equal(safeHtml('<script>never closed'), '');
});
