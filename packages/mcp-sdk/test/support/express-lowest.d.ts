// Express 5.1.0 under its npm alias ships no types; @types/express (5.x) describes it as it does the newest 5.x.
declare module 'express-lowest' {
  import express = require('express');
  export = express;
}
