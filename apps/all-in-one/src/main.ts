import { pino } from 'pino';
import { parseGatewayConfig } from '@tollgate/gateway/config';
import { announceFirstAdmin, parsePortalConfig } from '@tollgate/portal';
import { startAllInOne } from './start';

const portalConfig = parsePortalConfig(process.env);
const gatewayConfig = parseGatewayConfig(process.env);
const logger = pino({ level: portalConfig.logLevel });
const platform = await startAllInOne(portalConfig, gatewayConfig, logger);
announceFirstAdmin(platform.portal);
logger.info({ portal: platform.portalUrl, gateway: platform.gatewayUrl }, 'tollgate started (embedded default: SQLite, no Redis)');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping');
    // In-flight calls finish, then the meter's last flush; records it had to give up make the exit code 1.
    void platform.close().then(
      ({ lostRecords }) => process.exit(lostRecords > 0 ? 1 : 0),
      (err) => {
        logger.error({ err }, 'stopping failed');
        process.exit(1);
      },
    );
  });
}
