import { expect } from "chai";
import { committedDiagram, generatedDiagram } from "../../tools/diagram";
import { evaluateStack } from "../harness";

describe("architecture picture (docs/architecture.md)", () => {
    it("matches the program: run `npm run diagram` after changing the graph", async () => {
        expect(committedDiagram()).to.equal((await generatedDiagram(await evaluateStack("prod"))).trim());
    });
});
