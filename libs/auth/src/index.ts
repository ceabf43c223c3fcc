export * from './auth.module';
export * from './dto/authorize.dto';
export * from './dto/login.dto';
export * from './guards/current-auth.decorator';
export * from './guards/session-auth.guard';
export * from './payload/authorization-payload.builder';
export * from './payload/session-payload.builder';
export * from './use-cases/login.use-case';
