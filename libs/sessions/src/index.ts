export * from './session.entity';
export * from './sessions.module';
export * from './sessions.service';
export * from './end-sessions.use-case';
export * from './session-rules';
export * from './session-cache';
export * from './active-session';
