/** `npm run teardown -- …`: the same command as `peerlink teardown`. */
import { processIo } from '../../functions/cli/io.ts';
import { teardownCommand } from './command.ts';

process.exitCode = await teardownCommand(process.argv.slice(2), processIo);
