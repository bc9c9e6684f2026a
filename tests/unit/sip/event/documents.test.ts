import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildDialogInfo, LineView, parseDialogInfo } from '../../../../electron/sip/event/dialog-info.ts';
import { buildMessageSummary, parseMessageSummary } from '../../../../electron/sip/event/message-summary.ts';
import { buildPidf, parsePidf } from '../../../../electron/sip/event/pidf.ts';
import { parseWatcherInfo } from '../../../../electron/sip/event/watcher-info.ts';
import { parseXml, XML_LIMITS } from '../../../../electron/sip/event/xml-reader.ts';

describe('event documents', () => {
  it('PIDF: ours reads back as written, for every status', () => {
    for (const status of ['available', 'away', 'busy', 'dnd', 'offline'] as const) {
      const doc = parsePidf(buildPidf({ entity: 'sip:a@x.test', status, tupleId: 't', note: 'a <b> & "c"' }));
      assert.equal(doc.status, status);
      assert.equal(doc.note, 'a <b> & "c"');
    }
  });

  it('PIDF: other prefixes, RPID on the person, notes, baresip-style and Kamailio-merged documents', () => {
    const rpid = `<?xml version="1.0" encoding="UTF-8"?>
<p:presence xmlns:p="urn:ietf:params:xml:ns:pidf" xmlns:r="urn:ietf:params:xml:ns:pidf:rpid" xmlns:d="urn:ietf:params:xml:ns:pidf:data-model" entity="sip:bob@x.test">
 <p:tuple id="a"><p:status><p:basic>open</p:basic></p:status></p:tuple>
 <d:person id="p"><r:activities><r:on-the-phone/></r:activities><d:note>In a meeting</d:note></d:person>
</p:presence>`;
    assert.deepEqual(parsePidf(rpid), { entity: 'sip:bob@x.test', status: 'busy', activities: ['on-the-phone'], note: 'In a meeting' });
    const closed = '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:c@x"><tuple id="1"><status><basic>closed</basic></status><note>Offline</note></tuple></presence>';
    assert.equal(parsePidf(closed).status, 'offline');
    const away = '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"><tuple id="1"><status><basic>open</basic></status></tuple><rpid:activities><rpid:away/></rpid:activities></presence>';
    assert.equal(parsePidf(away).status, 'away');
    const bidi = '<presence xmlns="urn:ietf:params:xml:ns:pidf"><tuple id="1"><status><basic>open</basic></status><note>evil\u202etxet\u0007</note></tuple></presence>';
    assert.equal(parsePidf(bidi).note, 'evil txet');
  });

  it('the XML reader refuses what could cost us: DOCTYPE (entity expansion), depth, size, undeclared prefixes', () => {
    assert.throws(() => parseXml('<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'), /DOCTYPE/);
    assert.throws(() => parseXml('<a>'.repeat(XML_LIMITS.maxDepth + 1) + '</a>'.repeat(XML_LIMITS.maxDepth + 1)), /deeply/);
    assert.throws(() => parseXml(`<a>${'x'.repeat(XML_LIMITS.maxBytes)}</a>`), /too large/);
    assert.throws(() => parseXml('<p:a/>'), /undeclared prefix/);
    assert.throws(() => parseXml('<a><b></a></b>'), /unexpected/);
    assert.throws(() => parseXml('<a x="1" x="2"/>'), /twice/);
    assert.equal(parseXml('<a>&#x41;&lt;<![CDATA[<b>]]></a>').text, 'A<<b>');
  });

  it('dialog-info: states, who calls, ids for Replaces; partial documents merge; older versions are ignored', () => {
    const early = `<?xml version="1.0"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="3" state="full" entity="sip:201@pbx">
 <dialog id="d1" call-id="abc@h" local-tag="lt" remote-tag="rt" direction="recipient">
  <state>early</state>
  <remote><identity display="Carol">sip:carol@pbx</identity><target uri="sip:carol@10.0.0.5"/></remote>
 </dialog>
</dialog-info>`;
    const doc = parseDialogInfo(early);
    assert.deepEqual(doc.dialogs[0], { id: 'd1', state: 'early', direction: 'recipient', callId: 'abc@h', localTag: 'lt', remoteTag: 'rt', remote: { uri: 'sip:carol@pbx', displayName: 'Carol' } });
    const line = new LineView();
    assert.ok(line.apply(doc));
    assert.ok(line.apply(parseDialogInfo('<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="4" state="partial" entity="e"><dialog id="d1"><state>confirmed</state></dialog></dialog-info>')));
    assert.equal(line.dialogs[0]!.state, 'confirmed');
    assert.equal(line.apply(parseDialogInfo('<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="2" state="partial" entity="e"><dialog id="d1"><state>early</state></dialog></dialog-info>')), false);
    line.apply(parseDialogInfo('<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="5" state="partial" entity="e"><dialog id="d1"><state>terminated</state></dialog></dialog-info>'));
    assert.equal(line.dialogs.length, 0);
    const ours = parseDialogInfo(buildDialogInfo('sip:me@x', 7, [{ id: 'c1', state: 'confirmed', direction: 'initiator', callId: 'k', localTag: 'a', remoteTag: 'b', remote: { uri: 'sip:you@x', displayName: 'You' } }]));
    assert.equal(ours.version, 7);
    assert.equal(ours.dialogs[0]!.remote?.displayName, 'You');
    // A flood of dialogs is cut to the bound.
    const many = `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="e">${Array.from({ length: 100 }, (_, i) => `<dialog id="x${i}"><state>confirmed</state></dialog>`).join('')}</dialog-info>`;
    const big = new LineView();
    big.apply(parseDialogInfo(many));
    assert.equal(big.dialogs.length, 16);
  });

  it('dialog-info as Kamailio aggregates it: the live call after dozens of ended ones, and listed twice in no set order', () => {
    // presence_dialoginfo merges every publication of the line it still holds: the calls that ended in the last
    // minutes (terminated), then the current call twice — pua_dialoginfo's callee_trying "Trying" and the call's own
    // publication — in either order. The lamp must show the call's furthest state: busy once it is answered.
    const dialog = (id: string, state: string, target: string) =>
      `<dialog id="${id}" call-id="c-${id}" direction="recipient"><state>${state}</state><remote><identity>sip:bob@sipA.test</identity><target uri="${target}"/></remote></dialog>`;
    const ended = Array.from({ length: 40 }, (_, i) => dialog(`old${i}`, 'terminated', 'sip:bob@127.0.0.1:5060')).join('\n');
    const doc = (version: number, live: string) =>
      `<?xml version="1.0"?>\n<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${version}" state="full" entity="sip:alice@sipA.test">\n${ended}\n${live}\n</dialog-info>`;
    const line = new LineView();
    assert.ok(line.apply(parseDialogInfo(doc(140, dialog('now', 'Trying', 'sip:bob@sipA.test')))));
    assert.deepEqual(line.dialogs.map((d) => [d.id, d.state]), [['now', 'trying']], 'ringing: the live call is seen behind 40 ended ones');
    assert.ok(line.apply(parseDialogInfo(doc(141, dialog('now', 'confirmed', 'sip:bob@127.0.0.1:5060') + dialog('now', 'Trying', 'sip:bob@sipA.test')))));
    assert.deepEqual(line.dialogs.map((d) => [d.id, d.state]), [['now', 'confirmed']], 'answered, listed before its Trying twin');
    assert.ok(line.apply(parseDialogInfo(doc(142, dialog('now', 'Trying', 'sip:bob@sipA.test') + dialog('now', 'confirmed', 'sip:bob@127.0.0.1:5060')))));
    assert.deepEqual(line.dialogs.map((d) => [d.id, d.state]), [['now', 'confirmed']], 'answered, listed after its Trying twin');
    assert.ok(line.apply(parseDialogInfo(doc(143, dialog('now', 'terminated', 'sip:bob@127.0.0.1:5060') + dialog('now', 'Trying', 'sip:bob@sipA.test')))));
    assert.equal(line.dialogs.length, 0, 'hung up: idle');
    // Two publications of one call (Kamailio sends the "early" PUBLISH before the "Trying" one's ETag is back): the
    // hang-up ends one; 11 s later that one expires and the other is listed alone, "early", for its 12-hour life.
    assert.ok(line.apply(parseDialogInfo(doc(144, dialog('two', 'Trying', 'sip:bob@sipA.test') + dialog('two', 'early', 'sip:bob@127.0.0.1:5060')))));
    assert.deepEqual(line.dialogs.map((d) => [d.id, d.state]), [['two', 'early']]);
    assert.ok(line.apply(parseDialogInfo(doc(145, dialog('two', 'confirmed', 'sip:bob@sipA.test') + dialog('two', 'early', 'sip:bob@127.0.0.1:5060')))));
    assert.deepEqual(line.dialogs.map((d) => [d.id, d.state]), [['two', 'confirmed']]);
    assert.ok(line.apply(parseDialogInfo(doc(146, dialog('two', 'confirmed', 'sip:bob@sipA.test') + dialog('two', 'terminated', 'sip:bob@127.0.0.1:5060')))));
    assert.equal(line.dialogs.length, 0);
    assert.ok(line.apply(parseDialogInfo(doc(147, dialog('two', 'early', 'sip:bob@sipA.test') + dialog('next', 'early', 'sip:bob@127.0.0.1:5060')))));
    assert.deepEqual(line.dialogs.map((d) => [d.id, d.state]), [['next', 'early']], 'the stale copy of the ended call stays ended');
    line.reset();
    assert.ok(line.apply(parseDialogInfo(doc(1, dialog('two', 'early', 'sip:bob@sipA.test')))));
    assert.equal(line.dialogs.length, 0, 'and after a new subscription too');
    // A reordered publication: "early" listed after the call was seen answered does not take the lamp back.
    assert.ok(line.apply(parseDialogInfo(doc(2, dialog('next', 'confirmed', 'sip:bob@sipA.test')))));
    assert.ok(line.apply(parseDialogInfo(doc(3, dialog('next', 'early', 'sip:bob@sipA.test')))));
    assert.deepEqual(line.dialogs.map((d) => [d.id, d.state]), [['next', 'confirmed']]);
    // Ended dialogs are forgotten once the notifier stops listing them (the memory is bounded by the document).
    assert.ok(line.apply(parseDialogInfo(doc(4, ''))));
    assert.ok(line.apply(parseDialogInfo('<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="5" entity="e"><dialog id="two"><state>early</state></dialog></dialog-info>')));
    assert.deepEqual(line.dialogs.map((d) => [d.id, d.state]), [['two', 'early']]);
    // What one twin tells and the other does not is kept (the tags Replaces needs).
    const twins = parseDialogInfo('<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" entity="e"><dialog id="d" local-tag="l" remote-tag="r"><state>early</state></dialog><dialog id="d" call-id="k"><state>trying</state></dialog></dialog-info>');
    assert.deepEqual(twins.dialogs, [{ id: 'd', state: 'early', localTag: 'l', remoteTag: 'r', callId: 'k' }]);
  });

  it('message-summary: counts, urgent counts, account; other classes summed when there is no voice line', () => {
    assert.deepEqual(parseMessageSummary('Messages-Waiting: yes\r\nMessage-Account: sip:vm@x.test\r\nVoice-Message: 2/8 (0/2)\r\n'), {
      waiting: true, account: 'sip:vm@x.test', newMessages: 2, oldMessages: 8, urgentNew: 0, urgentOld: 2,
    });
    assert.equal(parseMessageSummary('Messages-Waiting: no\r\n').newMessages, 0);
    assert.equal(parseMessageSummary('Messages-Waiting: yes\nFax-Message: 1/0\nText-Message: 2/1\n').newMessages, 3);
    assert.throws(() => parseMessageSummary('Voice-Message: 1/1'));
    const back = parseMessageSummary(buildMessageSummary({ waiting: true, newMessages: 3, oldMessages: 1, urgentNew: 1, urgentOld: 0 }));
    assert.equal(back.newMessages, 3);
  });

  it('watcherinfo: pending and active watchers of presence', () => {
    const doc = parseWatcherInfo(`<?xml version="1.0"?>
<watcherinfo xmlns="urn:ietf:params:xml:ns:watcherinfo" version="0" state="full">
 <watcher-list resource="sip:bob@x" package="presence">
  <watcher id="w1" event="subscribe" status="pending" display-name="Eve">sip:eve@x</watcher>
  <watcher id="w2" event="approved" status="active">sip:alice@x</watcher>
 </watcher-list>
</watcherinfo>`);
    assert.deepEqual(doc.watchers.map((w) => [w.uri, w.status, w.displayName]), [['sip:eve@x', 'pending', 'Eve'], ['sip:alice@x', 'active', undefined]]);
  });
});
