#!/bin/sh
# compose.yaml's S3 server: SeaweedFS (`weed`, from the image's s3 stage) serving S3 on :8333 inside the
# compose network only, with the one identity given by AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (no
# anonymous access), and the bucket GUNMA_BUCKET created once. Telemetry off; everything else on loopback.
set -eu
: "${AWS_ACCESS_KEY_ID:?set AWS_ACCESS_KEY_ID}" "${AWS_SECRET_ACCESS_KEY:?set AWS_SECRET_ACCESS_KEY}"
BUCKET="${GUNMA_BUCKET:-gunma-snapshots}"
umask 077
cat > /tmp/s3.json <<JSON
{"identities": [{"name": "gunma", "credentials": [{"accessKey": "${AWS_ACCESS_KEY_ID}",
  "secretKey": "${AWS_SECRET_ACCESS_KEY}"}], "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
weed server -dir=/data -ip=127.0.0.1 -ip.bind=127.0.0.1 -s3 -s3.ip.bind=0.0.0.0 -s3.port=8333 \
    -s3.config=/tmp/s3.json -s3.port.iceberg=0 -s3.port.lance=0 -iam=false -master.telemetry=false \
    -master.volumeSizeLimitMB=256 -volume.max=64 &
WEED=$!
trap 'kill -TERM $WEED; wait $WEED' TERM INT
i=0
until echo "s3.bucket.list" | weed shell -master=127.0.0.1:9333 >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 120 ] || { echo "s3: weed did not start" >&2; exit 1; }; sleep 0.5
done
echo "s3.bucket.list" | weed shell -master=127.0.0.1:9333 2>/dev/null | grep -q "$BUCKET" \
    || echo "s3.bucket.create -name $BUCKET" | weed shell -master=127.0.0.1:9333 >/dev/null
touch /tmp/ready
wait $WEED
