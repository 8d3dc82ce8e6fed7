// Types of the Atrium Web SDK (signaling part), shaped like TRTC Web SDK v5.
export type Role = 'anchor' | 'audience';
export type Scene = 'rtc' | 'live';
export type ConnectionState = 'DISCONNECTED' | 'CONNECTING' | 'CONNECTED' | 'RECONNECTING' | 'RECONNECTED';

export interface EnterRoomConfig {
  sdkAppId: number;
  userId: string;
  userSig: string;
  roomId?: number;
  strRoomId?: string;
  role?: Role;
  scene?: Scene;
  privateMapKey?: string;
}

export declare class RtcError extends Error {
  code: number;
  extraCode?: number;
  serverName?: string;
}

export interface AtriumEventMap {
  'error': RtcError;
  'kicked-out': { reason: 'kick' | 'banned' | 'room_disband'; message: string };
  'remote-user-enter': { userId: string };
  'remote-user-exit': { userId: string; reason?: 0 | 1 | 2 | 3 };
  'custom-message': { userId: string; cmdId: number; seq: number; data: ArrayBuffer };
  'connection-state-changed': { prevState: ConnectionState; state: ConnectionState };
}

export declare class Atrium {
  static EVENT: { [K: string]: keyof AtriumEventMap };
  static ERROR_CODE: { [K: string]: number };
  static create(options?: { signalUrl?: string; reconnect?: boolean }): Atrium;
  enterRoom(config: EnterRoomConfig): Promise<void>;
  exitRoom(): Promise<void>;
  switchRole(role: Role, options?: { privateMapKey?: string }): Promise<void>;
  sendCustomMessage(message: { cmdId: number; data: ArrayBuffer }): Promise<{ seq: number }>;
  destroy(): void;
  on<K extends keyof AtriumEventMap>(event: K, handler: (payload: AtriumEventMap[K]) => void): this;
  off<K extends keyof AtriumEventMap>(event: K | '*', handler?: (payload: AtriumEventMap[K]) => void): this;
}
export default Atrium;
