import { ApiProperty } from '@nestjs/swagger';
import type { ConsentView } from './consents.service';

/** One consent of a user to a third-party client, in `GET /consents` and the admin API. */
export class ConsentDto {
  @ApiProperty({ format: 'uuid' })
  client_id: string;

  @ApiProperty({ example: 'Partner app' })
  client_name: string;

  @ApiProperty({ type: [String], example: ['email', 'openid'], description: 'Sorted' })
  scopes: string[];

  @ApiProperty({ format: 'date-time', description: 'When the user first consented' })
  granted_at: string;

  @ApiProperty({ format: 'date-time', description: 'When the user last consented to more scopes' })
  updated_at: string;
}

export class ConsentListDto {
  @ApiProperty({ type: [ConsentDto] })
  consents: ConsentDto[];
}

export function toConsentDto(consent: ConsentView): ConsentDto {
  return {
    client_id: consent.clientId,
    client_name: consent.clientName,
    scopes: consent.scopes,
    granted_at: consent.grantedAt.toISOString(),
    updated_at: consent.updatedAt.toISOString(),
  };
}
