// The Apple privacy manifest (R24) declares exactly the data the SDKs collect: this test parses
// sdk/apple/PrivacyInfo.xcprivacy as a plist and compares it with what the SDK really sends —
// the user id of enterRoom, the published audio and video, and each quality metric the Web SDK
// reports (sdk/web/stats.js REPORTED_METRICS). A new metric without a category, or a declared
// category nothing justifies, fails it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as plist from 'plist';
import { REPORTED_METRICS } from '../../sdk/web/stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const manifest = plist.parse(fs.readFileSync(path.join(root, 'sdk/apple/PrivacyInfo.xcprivacy'), 'utf8'));

const T = 'NSPrivacyCollectedDataType';
// What each reported thing is, in Apple's categories.
const CATEGORY_OF_METRIC = {
  aBit: `${T}PerformanceData`, bigvBit: `${T}PerformanceData`, rtt: `${T}PerformanceData`,
  aLoss: `${T}PerformanceData`, bigvLoss: `${T}PerformanceData`, bigvCapFps: `${T}PerformanceData`,
  bigvEncFps: `${T}PerformanceData`, bigvDecFps: `${T}PerformanceData`, bigvRecFps: `${T}PerformanceData`,
  bigvWidth: `${T}PerformanceData`, bigvHeight: `${T}PerformanceData`, appCpu: `${T}PerformanceData`,
  sysCpu: `${T}PerformanceData`, aBlock: `${T}OtherDiagnosticData`, bigvBlock: `${T}OtherDiagnosticData`,
  aCapEnergy: `${T}OtherDiagnosticData`, aPlayEnergy: `${T}OtherDiagnosticData`,
};
const CATEGORY_OF_SIGNAL = { userId: `${T}UserID`, video: `${T}PhotosorVideos`, audio: `${T}AudioData` };

// Apple's documented reasons per required-reason API category.
const ALLOWED_REASONS = {
  NSPrivacyAccessedAPICategorySystemBootTime: ['35F9.1', '8FFB.1', '3D61.1'],
  NSPrivacyAccessedAPICategoryUserDefaults: ['CA92.1', '1C8F.1', 'C56D.1', 'AC6B.1'],
  NSPrivacyAccessedAPICategoryFileTimestamp: ['DDA9.1', 'C617.1', '3B52.1', '0A2A.1'],
  NSPrivacyAccessedAPICategoryDiskSpace: ['85F4.1', 'E174.1', '7D9E.1', 'B728.1'],
  NSPrivacyAccessedAPICategoryActiveKeyboards: ['3EC4.1', '54BD.1'],
};

test('no tracking', () => {
  assert.equal(manifest.NSPrivacyTracking, false);
  assert.deepEqual(manifest.NSPrivacyTrackingDomains, []);
});

test('collected data types are exactly what the SDK sends, unlinked, for app functionality only', () => {
  const declared = manifest.NSPrivacyCollectedDataTypes;
  for (const d of declared) {
    assert.equal(d.NSPrivacyCollectedDataTypeLinked, false, d[T]);
    assert.equal(d.NSPrivacyCollectedDataTypeTracking, false, d[T]);
    assert.deepEqual(d.NSPrivacyCollectedDataTypePurposes, ['NSPrivacyCollectedDataTypePurposeAppFunctionality'], d[T]);
  }
  const declaredSet = new Set(declared.map((d) => d[T]));
  assert.equal(declaredSet.size, declared.length, 'no category twice');
  const used = new Set(Object.values(CATEGORY_OF_SIGNAL));
  for (const metric of REPORTED_METRICS) {
    assert.ok(CATEGORY_OF_METRIC[metric], `reported metric ${metric} has no privacy category: add it here and to the manifest`);
    used.add(CATEGORY_OF_METRIC[metric]);
  }
  assert.deepEqual([...declaredSet].sort(), [...used].sort());
});

test('every required-reason API has a valid reason', () => {
  const apis = manifest.NSPrivacyAccessedAPITypes;
  assert.ok(apis.length > 0);
  for (const a of apis) {
    const allowed = ALLOWED_REASONS[a.NSPrivacyAccessedAPIType];
    assert.ok(allowed, `unknown API category ${a.NSPrivacyAccessedAPIType}`);
    assert.ok(a.NSPrivacyAccessedAPITypeReasons.length > 0);
    for (const r of a.NSPrivacyAccessedAPITypeReasons) assert.ok(allowed.includes(r), `${r} for ${a.NSPrivacyAccessedAPIType}`);
  }
});
