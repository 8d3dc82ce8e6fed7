// Call-quality telemetry end to end (R10): two browsers in a call report statistics every 2 s;
// the SDK emits statistics / network-quality / audio-volume events from them, and the server
// stores them so that DescribeCallDetailInfo, called through the official tencentcloud-sdk-nodejs,
// returns each user's series. Run inside a network namespace with only `lo`.
import { describe, test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { newRoomId, createApiKey, sleep } from '../integration/lib/harness.mjs';
import { apiClient, sdkError, assertApiCode, codeOrNamed } from '../integration/lib/trtc-api.mjs';
import { evaluate } from './lib/browser.mjs';
import { e2eSkipReason, suiteServer } from './lib/suite.mjs';
import { sdkPage, sdkEnter, sdkEvents, sdkWaitEvent } from './lib/sdk-page.mjs';
import { waitDecoding, watch } from './lib/media-stats.mjs';

const skip = e2eSkipReason();
let server;  // the suite's, set by suiteServer

async function publish(p) {
  await evaluate(p.page, async () => {
    const view = document.createElement('div');
    view.id = 'local';
    document.body.appendChild(view);
    window.__client.enableAudioVolumeEvaluation(500);
    await window.__client.startLocalAudio();
    await window.__client.startLocalVideo({ view: 'local', option: { profile: '360p' } });
  }, undefined, { what: 'start audio and video', timeoutMs: 20000 });
}

async function watchWhenAvailable(p, other) {
  await sdkWaitEvent(p, 'remote-video-available', `(d) => d.userId === "${other}"`, 10000);
  await watch(p, other);
}

const eventsNamed = async (p, name) => (await sdkEvents(p)).filter((e) => e.event === name).map((e) => e.data);

describe('quality telemetry in Chromium', { skip }, () => {
  const suite = suiteServer();
  beforeEach(() => { server = suite.server; });

  test('statistics reach the SDK events and DescribeCallDetailInfo', { timeout: 120000 }, async (t) => {
    const roomId = newRoomId();
    const t0 = Math.floor(Date.now() / 1000);
    const a = await sdkPage('alice', { srv: server });
    const b = await sdkPage('bob', { srv: server });
    await sdkEnter(a, 'alice', roomId);
    await sdkEnter(b, 'bob', roomId);
    await publish(a);
    await publish(b);
    await watchWhenAvailable(a, 'bob');
    await watchWhenAvailable(b, 'alice');
    await waitDecoding(a, 10, 20000);
    await waitDecoding(b, 10, 20000);
    await sleep(7000);  // three reports at least

    // The SDK's own events.
    const stats = await eventsNamed(a, 'statistics');
    assert.ok(stats.length >= 2, `statistics events: ${stats.length}`);
    const last = stats.at(-1);
    t.diagnostic(`alice statistics: ${JSON.stringify(last)}`);
    assert.ok(last.bytesSent > 0 && last.bytesReceived > 0);
    const fromBob = last.remoteStatistics.find((r) => r.userId === 'bob');
    assert.ok(fromBob && fromBob.video[0].width > 0 && fromBob.video[0].bitrate > 0, 'bob\'s video in remoteStatistics');
    assert.ok(last.localStatistics.video[0].bitrate > 0 && last.localStatistics.audio.bitrate > 0);
    const nq = (await eventsNamed(a, 'network-quality')).at(-1);
    t.diagnostic(`alice network-quality: ${JSON.stringify(nq)}`);
    assert.ok(nq.uplinkNetworkQuality >= 1 && nq.uplinkNetworkQuality <= 2, 'loopback is an excellent uplink');
    assert.ok(nq.downlinkNetworkQuality >= 1 && nq.downlinkNetworkQuality <= 2, 'and downlink');
    const volumes = (await eventsNamed(a, 'audio-volume')).flatMap((d) => d.result);
    assert.ok(volumes.some((v) => v.userId === '') && volumes.some((v) => v.userId === 'bob'), 'local and remote volumes');
    assert.ok(volumes.every((v) => v.volume >= 0 && v.volume <= 100));
    assert.ok(volumes.some((v) => v.volume > 0), 'the fake microphone makes sound');
    // Our sender reports reach the subscriber (Chrome lists them as remote-outbound-rtp): they carry
    // the publisher's clock mapping that audio/video sync needs.
    const remoteOutbound = await evaluate(a.page, async () => {
      const out = [];
      for (const s of (await window.__client.getPeerConnections().subscriber.getStats()).values())
        if (s.type === 'remote-outbound-rtp') out.push({ kind: s.kind, reportsSent: s.reportsSent, packetsSent: s.packetsSent });
      return out;
    }, undefined, { what: 'remote-outbound-rtp' });
    t.diagnostic(`sender reports seen by alice: ${JSON.stringify(remoteOutbound)}`);
    assert.ok(['audio', 'video'].every((k) => remoteOutbound.some((r) => r.kind === k && r.reportsSent >= 1 && r.packetsSent > 0)));
    // The server's active-speaker detection. Both fake microphones beep alike, so either may lead;
    // once bob's microphone is off, alice is the one speaking.
    await evaluate(b.page, () => window.__client.stopLocalAudio(), undefined, { what: 'bob stops his microphone' });
    const speakerDeadline = Date.now() + 5000;
    let speakers = [];
    while (Date.now() < speakerDeadline && speakers.at(-1) !== 'alice') {
      await sleep(250);
      speakers = (await eventsNamed(b, 'active-speaker')).map((d) => d.userId);
    }
    t.diagnostic(`active-speaker events at bob: ${JSON.stringify(speakers)}`);
    assert.equal(speakers.at(-1), 'alice', 'alice is announced as the active speaker');

    // The server's store, through the official API client.
    const key = await createApiKey(server, server.demoAppId);
    const api = apiClient(server, key);
    const win = { SdkAppId: server.demoAppId, StartTime: t0 - 5, EndTime: Math.floor(Date.now() / 1000) + 5 };
    const rooms = await api.DescribeRoomInfo({ ...win, RoomId: String(roomId) });
    assert.equal(rooms.RoomList.length, 1);
    const CommId = rooms.RoomList[0].CommId;
    const detail = await api.DescribeCallDetailInfo({ ...win, CommId, UserIds: ['alice'], DataType: ['all'] });
    assert.deepEqual(detail.UserList.map((u) => u.UserId), ['alice']);
    const series = (peer, type) => detail.Data.find((d) => d.UserId === 'alice' && d.PeerId === peer && d.DataType === type);
    for (const [peer, type] of [['', 'bigvBit'], ['', 'aBit'], ['', 'bigvWidth'], ['', 'rtt'], ['bob', 'bigvDecFps'],
      ['bob', 'bigvBit'], ['bob', 'aBit'], ['bob', 'bigvWidth']]) {
      const s = series(peer, type);
      assert.ok(s && s.Content.length >= 2, `series alice/${peer || 'up'}/${type}: ${JSON.stringify(s)}`);
      assert.ok(s.Content.every((c) => c.Time >= win.StartTime && c.Time <= win.EndTime));
    }
    assert.ok(series('', 'bigvBit').Content.some((c) => c.Value > 50000), 'alice sends video at a real bitrate');
    assert.ok(series('bob', 'bigvDecFps').Content.some((c) => c.Value > 5), 'alice decodes bob\'s frames');
    assert.equal(series('', 'appCpu'), undefined, 'a browser reports no CPU');
    assert.ok(!detail.Data.some((d) => d.UserId !== 'alice'), 'only the users asked for');
    t.diagnostic(`DescribeCallDetailInfo: ${detail.Data.length} series for alice`);

    // The server's own view (receiver reports about alice's uplink): jitter is only measured there.
    const fromServer = await api.DescribeCallDetailInfo({ ...win, CommId, UserIds: ['alice'], DataType: ['jitter', 'bigvLoss'] });
    const jitter = fromServer.Data.find((d) => d.PeerId === '' && d.DataType === 'jitter');
    assert.ok(jitter && jitter.Content.length >= 2 && jitter.Content.every((c) => c.Value >= 0 && c.Value < 1000),
      `server jitter series: ${JSON.stringify(jitter)}`);

    // Without DataType: the users only.
    const users = await api.DescribeCallDetailInfo({ ...win, CommId });
    assert.deepEqual(users.UserList.map((u) => u.UserId).sort(), ['alice', 'bob']);
    assert.ok(!users.Data || users.Data.length === 0);
    // Rules of trtc-compat §4.2.
    assertApiCode(await sdkError(api.DescribeCallDetailInfo({ ...win, CommId, DataType: ['cpuTemp'] })),
      codeOrNamed('InvalidParameter', 'DataType'));
    assertApiCode(await sdkError(api.DescribeCallDetailInfo({ ...win, CommId, DataType: ['all'],
      UserIds: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] })), codeOrNamed('InvalidParameterValue', 'UserIds'), 'more than 6 users with DataType');
    assertApiCode(await sdkError(api.DescribeCallDetailInfo({ ...win, CommId, DataType: ['all'], StartTime: win.EndTime - 3601 })),
      codeOrNamed('InvalidParameter', 'QueryScaleOversize'), 'more than 1 h with DataType');

    // Stream on/off are user events (TRTC 4006 video upstream, 3001 microphone).
    const ev = await api.DescribeUserEvent({ ...win, CommId, UserId: 'alice', RoomId: String(roomId) });
    const ids = ev.Data[0].Content.map((e) => `${e.EventId}:${e.ParamOne}`);
    assert.ok(ids.includes('7000:0') && ids.includes('4006:0') && ids.includes('3001:0'), `events: ${ids}`);
  });
});
