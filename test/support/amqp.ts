// A minimal AMQP 0-9-1 client for the tests' read loops: opens a connection with PLAIN credentials on a
// virtual host, as every RabbitMQ client does first, and closes it. It proves what a client needs (the
// broker answers, the user authenticates, the user may open the vhost) with no client library.
import * as net from "net";

const FRAME_END = 0xce;

function shortstr(s: string): Buffer {
    const b = Buffer.from(s, "utf8");
    return Buffer.concat([Buffer.from([b.length]), b]);
}

function longstr(b: Buffer): Buffer {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
}

function method(classId: number, methodId: number, args: Buffer): Buffer {
    const payload = Buffer.alloc(4);
    payload.writeUInt16BE(classId, 0);
    payload.writeUInt16BE(methodId, 2);
    const body = Buffer.concat([payload, args]);
    const head = Buffer.alloc(7);
    head.writeUInt8(1, 0);
    head.writeUInt16BE(0, 1);
    head.writeUInt32BE(body.length, 3);
    return Buffer.concat([head, body, Buffer.from([FRAME_END])]);
}

/**
 * Connects to `host:port`, logs in as `user` and opens `vhost`. Resolves "ok", or the reason it could not
 * (the broker's close text, "closed", "timeout", a socket error).
 */
export function amqpOpen(host: string, port: number, user: string, password: string, vhost: string, timeoutMs = 3000): Promise<string> {
    return new Promise((resolve) => {
        const sock = net.connect({ host, port });
        let buf = Buffer.alloc(0);
        let settled = false;
        const done = (r: string) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            sock.destroy();
            resolve(r);
        };
        const timer = setTimeout(() => done("timeout"), timeoutMs);
        sock.on("error", (e) => done(`error: ${e.message}`));
        sock.on("close", () => done("closed"));
        sock.on("connect", () => sock.write(Buffer.from("AMQP\x00\x00\x09\x01", "latin1")));
        sock.on("data", (d: Buffer) => {
            buf = Buffer.concat([buf, d]);
            while (buf.length >= 7) {
                const type = buf.readUInt8(0);
                const size = buf.readUInt32BE(3);
                if (buf.length < 7 + size + 1) return;
                const payload = buf.subarray(7, 7 + size);
                buf = buf.subarray(7 + size + 1);
                if (type !== 1) continue;
                const classId = payload.readUInt16BE(0);
                const methodId = payload.readUInt16BE(2);
                if (classId !== 10) continue;
                if (methodId === 10) {
                    // Start -> StartOk: no client properties, PLAIN, en_US.
                    const args = Buffer.concat([longstr(Buffer.alloc(0)), shortstr("PLAIN"), longstr(Buffer.from(`\0${user}\0${password}`, "utf8")), shortstr("en_US")]);
                    sock.write(method(10, 11, args));
                } else if (methodId === 30) {
                    // Tune -> TuneOk with the broker's limits, no heartbeat; then Open the vhost.
                    const tune = Buffer.alloc(8);
                    tune.writeUInt16BE(payload.readUInt16BE(4), 0);
                    tune.writeUInt32BE(payload.readUInt32BE(6), 2);
                    tune.writeUInt16BE(0, 6);
                    sock.write(method(10, 31, tune));
                    sock.write(method(10, 40, Buffer.concat([shortstr(vhost), shortstr(""), Buffer.from([0])])));
                } else if (methodId === 41) {
                    done("ok");
                } else if (methodId === 50) {
                    const code = payload.readUInt16BE(4);
                    const len = payload.readUInt8(6);
                    done(`${code} ${payload.subarray(7, 7 + len).toString("utf8")}`);
                }
            }
        });
    });
}
