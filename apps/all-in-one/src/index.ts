export { startAllInOne, type AllInOne } from './start';
