/** This program's build (see @dcprobe/shared build-info.ts): `--version` and `dcprobe_build_info`. */
import { buildInfo } from '@dcprobe/shared';

export const BUILD = buildInfo('dcprobe-collector', new URL('../package.json', import.meta.url));
