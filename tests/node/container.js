// Read credentials from a container-credentials server, as an application using the AWS SDK
// for JavaScript v3 does, then use them against STS. Usage: node container.js metadata|chain
// metadata: fromContainerMetadata (reads AWS_CONTAINER_AUTHORIZATION_TOKEN);
// chain: the default provider chain (fromHttp reads AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE).
// Prints one JSON line: accessKeyId, expiration, and the caller's account from STS.
const { fromContainerMetadata, fromNodeProviderChain } = require("@aws-sdk/credential-providers");
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");

(async () => {
  const kind = process.argv[2];
  const provider = kind === "metadata" ? fromContainerMetadata({ timeout: 2000 }) : fromNodeProviderChain();
  const creds = await provider();
  const sts = new STSClient({ region: "us-east-1", credentials: creds });
  const who = await sts.send(new GetCallerIdentityCommand({}));
  console.log(JSON.stringify({
    accessKeyId: creds.accessKeyId,
    expiration: creds.expiration ? creds.expiration.toISOString() : null,
    caller: who.Account,
  }));
})().catch((e) => { console.error(`${e.name}: ${e.message}`); process.exit(1); });
