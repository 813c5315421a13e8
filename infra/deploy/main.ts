/** `npm run deploy -- …`: the same command as `peerlink deploy`. */
import { processIo } from '../../functions/cli/io.ts';
import { deployCommand } from './command.ts';

process.exitCode = await deployCommand(process.argv.slice(2), processIo);
