import { Module } from '@nestjs/common';
import { DrfSsoImporter } from './drf-sso-importer';

/** `import:drf-sso`: moves a djangorestframework-sso deployment's users and sessions here. */
@Module({ providers: [DrfSsoImporter], exports: [DrfSsoImporter] })
export class ImporterModule {}
