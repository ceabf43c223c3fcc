/** Success body of `/session` and `/authorize`; DRF-SSO's exact shape. */
export interface TokenResponseDto {
  token: string;
}
