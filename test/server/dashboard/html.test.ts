/** The dashboard's markup: values are text unless made by the template itself. */
import { escapeHtml, formatTime, html, queryString } from '../../../src/server/dashboard/html';

describe('dashboard html', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const evil = `<img src=x onerror="alert(1)">'&`;
    const out = html`<td title="${evil}">${evil}</td>`.text;
    expect(out).toBe('<td title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;&amp;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;&amp;</td>');
    expect(escapeHtml('a"b\'c')).toBe('a&quot;b&#39;c');
  });

  it('nests markup made by the template, joins lists, and leaves out nothing-values', () => {
    const rows = ['<a>', 'b'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${rows}${null}${undefined}${false}${0}</ul>`.text).toBe('<ul><li>&lt;a&gt;</li><li>b</li>0</ul>');
  });

  it('builds query strings without empty parameters, and UTC times', () => {
    expect(queryString({ state: 'dead,held', partner: undefined, x: '' })).toBe('?state=dead%2Cheld');
    expect(queryString({})).toBe('');
    expect(formatTime(Date.UTC(2026, 10, 27, 8, 5, 9))).toBe('2026-11-27 08:05:09');
    expect(formatTime(null)).toBe('—');
  });
});
