// A loopback port that was free a moment ago (listen on 0, read it, close): for servers the tests start
// themselves, or start late on purpose.
import * as net from "net";

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
        srv.on("error", reject);
    });
}
