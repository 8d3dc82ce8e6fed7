// Types of the Atrium Web SDK, shaped like TRTC Web SDK v5.
export type Role = 'anchor' | 'audience';
export type Scene = 'rtc' | 'live';
export type ConnectionState = 'DISCONNECTED' | 'CONNECTING' | 'CONNECTED' | 'RECONNECTING' | 'RECONNECTED';
export type StreamType = 'main' | 'sub';
export type VideoProfile = '120p' | '180p' | '240p' | '360p' | '480p' | '720p' | '1080p';

export interface EnterRoomConfig {
  sdkAppId: number;
  userId: string;
  userSig: string;
  roomId?: number;
  strRoomId?: string;
  role?: Role;
  scene?: Scene;
  privateMapKey?: string;
  autoReceiveAudio?: boolean;
}

export declare class RtcError extends Error {
  code: number;
  extraCode?: number;
  serverName?: string;
}

export interface LocalVideoOption {
  profile?: VideoProfile;
  /** Also send a small stream: true (180p) or its profile. */
  small?: boolean | VideoProfile;
}

export interface StreamStatistics {
  audio: { bitrate: number; audioLevel: number };
  video: { width: number; height: number; frameRate: number; bitrate: number; videoType: 'big' | 'small' | 'sub' }[];
}

export interface AtriumEventMap {
  'error': RtcError;
  'kicked-out': { reason: 'kick' | 'banned' | 'room_disband'; message: string };
  'remote-user-enter': { userId: string };
  'remote-user-exit': { userId: string; reason?: 0 | 1 | 2 | 3 };
  'custom-message': { userId: string; cmdId: number; seq: number; data: ArrayBuffer };
  'connection-state-changed': { prevState: ConnectionState; state: ConnectionState };
  'remote-audio-available': { userId: string };
  'remote-audio-unavailable': { userId: string };
  'remote-video-available': { userId: string; streamType: StreamType };
  'remote-video-unavailable': { userId: string; streamType: StreamType };
  /** Every 2 s. Quality 0 unknown, 1 excellent … 6 disconnected; RTT in ms, loss in percent. */
  'network-quality': {
    uplinkNetworkQuality: number; downlinkNetworkQuality: number;
    uplinkRTT: number; uplinkLoss: number; downlinkRTT: number; downlinkLoss: number;
  };
  /** Every 2 s. Bitrates in kbps. */
  'statistics': {
    rtt: number; upLoss: number; downLoss: number; bytesSent: number; bytesReceived: number;
    localStatistics: StreamStatistics;
    remoteStatistics: (StreamStatistics & { userId: string })[];
  };
  /** After enableAudioVolumeEvaluation(); userId '' is the local microphone. Volume 0..100. */
  'audio-volume': { result: { userId: string; volume: number }[] };
  /** Atrium's own (not in TRTC v5): the room's dominant speaker changed, by the server's audio levels. */
  'active-speaker': { userId: string };
}

export declare class Atrium {
  static EVENT: { [K: string]: keyof AtriumEventMap };
  static ERROR_CODE: { [K: string]: number };
  static create(options?: { signalUrl?: string; reconnect?: boolean }): Atrium;
  enterRoom(config: EnterRoomConfig): Promise<void>;
  exitRoom(): Promise<void>;
  switchRole(role: Role, options?: { privateMapKey?: string }): Promise<void>;
  sendCustomMessage(message: { cmdId: number; data: ArrayBuffer }): Promise<{ seq: number }>;
  startLocalAudio(config?: { option?: { microphoneId?: string } }): Promise<void>;
  updateLocalAudio(config?: { option?: { microphoneId?: string } }): Promise<void>;
  stopLocalAudio(): Promise<void>;
  startLocalVideo(config?: { view?: string | HTMLElement; option?: LocalVideoOption }): Promise<void>;
  updateLocalVideo(config?: { option?: LocalVideoOption }): Promise<void>;
  stopLocalVideo(): Promise<void>;
  startScreenShare(config?: { view?: string | HTMLElement }): Promise<void>;
  stopScreenShare(): Promise<void>;
  startRemoteVideo(config: { userId: string; streamType?: StreamType; view?: string | HTMLElement; option?: { small?: boolean } }): Promise<void>;
  updateRemoteVideo(config: { userId: string; streamType?: StreamType; option?: { small?: boolean } }): Promise<void>;
  stopRemoteVideo(config: { userId: string; streamType?: StreamType }): Promise<void>;
  muteRemoteAudio(userId: string, mute: boolean): void;
  setRemoteAudioVolume(userId: string, volume: number): void;
  enableAudioVolumeEvaluation(interval?: number): void;
  /** Atrium's own: ICE restart of both media connections (automatic on failure). */
  restartIce(): Promise<void>;
  getPeerConnections(): { publisher: RTCPeerConnection | null; subscriber: RTCPeerConnection | null };
  destroy(): void;
  on<K extends keyof AtriumEventMap>(event: K, handler: (payload: AtriumEventMap[K]) => void): this;
  off<K extends keyof AtriumEventMap>(event: K | '*', handler?: (payload: AtriumEventMap[K]) => void): this;
}
export default Atrium;
