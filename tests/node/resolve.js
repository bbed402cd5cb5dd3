// Resolve credentials the way an application using the AWS SDK for JavaScript v3 does, then
// use them against STS. Usage: node resolve.js ini|sso PROFILE
// Prints one JSON line: accessKeyId, expiration, accountId, and the caller's account from STS.
const { fromIni, fromSSO } = require("@aws-sdk/credential-providers");
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");

(async () => {
  const [kind, profile] = process.argv.slice(2);
  const provider = kind === "sso" ? fromSSO({ profile }) : fromIni({ profile });
  const creds = await provider();
  const sts = new STSClient({ region: "us-east-1", credentials: creds });
  const who = await sts.send(new GetCallerIdentityCommand({}));
  console.log(JSON.stringify({
    accessKeyId: creds.accessKeyId,
    expiration: creds.expiration ? creds.expiration.toISOString() : null,
    accountId: creds.accountId ?? null,
    caller: who.Account,
  }));
})().catch((e) => { console.error(`${e.name}: ${e.message}`); process.exit(1); });
