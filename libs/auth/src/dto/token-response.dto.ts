import { ApiProperty } from '@nestjs/swagger';

/** Success body of `/session` and `/authorize`; DRF-SSO's exact shape. */
export class TokenResponseDto {
  @ApiProperty({ description: 'A JWT (RS256 by default)', example: 'eyJhbGciOiJSUzI1NiIs…' })
  token: string;
}
