export * from './admin.guard';
export * from './admin.module';
