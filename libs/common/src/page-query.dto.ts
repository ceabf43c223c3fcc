import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { Optional } from './optional.decorator';

/** Most items one page may hold. */
export const MAX_PAGE_SIZE = 500;
/** Deepest offset a page may start at: far beyond any real listing, far below PostgreSQL's limits. */
export const MAX_OFFSET = 1_000_000_000;
/** Items per page when the query names no `limit`. */
export const DEFAULT_PAGE_SIZE = 50;

/**
 * Query parameters are text: only plain decimal digits are a number here. `Number()` would also
 * take `0x10`, `1e3`, ` 5` and `Infinity`; those stay text and fail `IsInt`.
 */
const WholeNumber = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value,
  );

/**
 * `?limit=&offset=` of every listing: whole numbers, `limit` 1 to 500 (default 50), `offset` 0 to
 * 10⁹ (default 0). Anything else (`abc`, `1.5`, `-1`, `1e20`, a repeated parameter) is a 400.
 */
export class PageQueryDto {
  @ApiPropertyOptional({ default: DEFAULT_PAGE_SIZE, minimum: 1, maximum: MAX_PAGE_SIZE })
  @Optional()
  @WholeNumber()
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1, { message: 'limit must be at least 1' })
  @Max(MAX_PAGE_SIZE, { message: `limit must be at most ${MAX_PAGE_SIZE}` })
  limit?: number;

  @ApiPropertyOptional({ default: 0, minimum: 0, maximum: MAX_OFFSET })
  @Optional()
  @WholeNumber()
  @IsInt({ message: 'offset must be a whole number' })
  @Min(0, { message: 'offset must be at least 0' })
  @Max(MAX_OFFSET, { message: `offset must be at most ${MAX_OFFSET}` })
  offset?: number;
}
