export * from './database-source';
export * from './django-records';
export * from './drf-sso-importer';
export * from './import-mapping';
export * from './importer.module';
